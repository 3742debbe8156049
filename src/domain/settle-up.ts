// What a confirmed payment from a payer to a payee settles (issue 15): the payer's unpaid parts owed to
// the payee, oldest bill first, each part whole while what is left of the payment covers it. The first part
// it does not cover stops the walk (a part is never split, and a later, smaller part is not picked out of
// order); the rest of the payment stays as a credit of the payer with the payee.

export type Part = { billId: string; amount: number };
export type Closing = { closed: Part[]; credit: number };

export function closeParts(oldestFirst: readonly Part[], amount: number): Closing {
  const closed: Part[] = [];
  let left = amount;
  for (const part of oldestFirst) {
    if (part.amount > left) break;
    closed.push(part);
    left -= part.amount;
  }
  return { closed, credit: left };
}
