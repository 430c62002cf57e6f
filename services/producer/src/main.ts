import { hello } from "@macaque/shared";
console.log(hello());
