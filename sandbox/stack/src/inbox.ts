import { z } from "zod";

const storeSchema = z.object({
  emails: z.array(
    z.looseObject({
      messageId: z.string().optional(),
      from: z.string().optional(),
      destination: z.looseObject({ to: z.array(z.string()).optional() }).optional(),
      subject: z.string().optional(),
      body: z.looseObject({ text: z.string().optional(), html: z.string().optional() }).optional(),
      at: z.number().optional(),
    }),
  ),
});

export interface InboxEmail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Reads the emails aws-ses-v2-local has received (its `GET /store`). */
export async function readInbox(inboxUrl: string): Promise<InboxEmail[]> {
  const response = await fetch(`${inboxUrl}/store`);
  if (!response.ok) throw new Error(`SES inbox answered ${response.status}`);
  const store = storeSchema.parse(await response.json());
  return store.emails.map((e) => ({
    messageId: e.messageId ?? "",
    from: e.from ?? "",
    to: e.destination?.to ?? [],
    subject: e.subject ?? "",
    text: e.body?.text ?? "",
    html: e.body?.html ?? "",
  }));
}
