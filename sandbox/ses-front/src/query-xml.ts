/** SES v1 (awsQuery) response and error documents, built with XMLBuilder (it escapes). */
import { XMLBuilder } from "fast-xml-parser";

const SES_NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/";

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | number | undefined | XmlNode | XmlNode[] | string[];

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  suppressEmptyNode: true,
});

function document(root: string, body: XmlNode): string {
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    [root]: { "@_xmlns": SES_NAMESPACE, ...body },
  }) as string;
}

/** `<Action>Response><Action>Result>…` with `<ResponseMetadata>`; an empty result is `<X/>`. */
export function sesResponse(action: string, result: XmlNode | "", requestId: string): string {
  return document(`${action}Response`, {
    [`${action}Result`]: result,
    ResponseMetadata: { RequestId: requestId },
  });
}

export function sesError(code: string, message: string, requestId: string): string {
  return document("ErrorResponse", {
    Error: { Type: "Sender", Code: code, Message: message },
    RequestId: requestId,
  });
}

/** awsQuery lists wrap each item in `member`; an empty list is an empty element. */
export const members = (items: string[]): XmlNode | "" => (items.length ? { member: items } : "");
