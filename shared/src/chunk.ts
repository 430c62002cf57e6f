/**
 * Splits a list into runs of at most `size`, for APIs that cap how many ids one call
 * takes (EC2 filters 200, DescribeAutoScalingInstances 50, SES 100, an email's To).
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`chunk size must be a whole number of at least 1, got ${size}`);
  }
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
