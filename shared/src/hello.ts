import { z } from "zod";
export const hello = (): string => z.string().parse("hi");
