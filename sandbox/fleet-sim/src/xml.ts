/** Response and error documents of the query protocols, built with XMLBuilder (it escapes). */
import { XMLBuilder } from "fast-xml-parser";

const AUTOSCALING_NAMESPACE = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
const EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";
const ELB_NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[] | string[];

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" });

function document(root: string, body: XmlNode): string {
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    [root]: body,
  }) as string;
}

/** awsQuery wraps list items in `member`. */
export const members = (items: XmlNode[] | string[]): XmlNode => ({ member: items });
/** ec2Query wraps list items in `item`. */
export const items = (list: XmlNode[]): XmlNode => ({ item: list });

export const timestamp = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

type Respond = (action: string, result: XmlNode | undefined, requestId: string) => string;
type RespondError = (code: string, message: string, requestId: string) => string;

/** awsQuery services differ only in their namespace. */
function awsQuery(namespace: string): { respond: Respond; error: RespondError } {
  return {
    respond: (action, result, requestId) =>
      document(`${action}Response`, {
        "@_xmlns": namespace,
        ...(result && { [`${action}Result`]: result }),
        ResponseMetadata: { RequestId: requestId },
      }),
    error: (code, message, requestId) =>
      document("ErrorResponse", {
        "@_xmlns": namespace,
        Error: { Type: "Sender", Code: code, Message: message },
        RequestId: requestId,
      }),
  };
}

const autoscaling = awsQuery(AUTOSCALING_NAMESPACE);
export const autoscalingResponse: Respond = autoscaling.respond;
export const autoscalingError: RespondError = autoscaling.error;

const elb = awsQuery(ELB_NAMESPACE);
export const elbResponse: Respond = elb.respond;
export const elbError: RespondError = elb.error;

export function ec2Response(action: string, body: XmlNode | undefined, requestId: string): string {
  return document(`${action}Response`, { "@_xmlns": EC2_NAMESPACE, requestId, ...body });
}

export function ec2Error(code: string, message: string, requestId: string): string {
  return document("Response", {
    Errors: { Error: { Code: code, Message: message } },
    RequestID: requestId,
  });
}
