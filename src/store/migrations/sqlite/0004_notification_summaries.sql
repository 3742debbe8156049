-- Bill notifications carry a summary of the bill, not the bill with every share (issue 19: one row is
-- stored per receiver, so an equal split among 500 stored its 500 shares 500 times). Rows written before
-- are rewritten to the new shape (src/contract/events.ts BillSummary), so the inbox, which checks what it
-- sends against the contract, and stream replays see one shape. The space comes back at the next VACUUM.
UPDATE notifications SET data = json_object(
  'bill', json_object(
    'id', json_extract(data, '$.bill.id'),
    'groupId', json_extract(data, '$.bill.groupId'),
    'ownerId', json_extract(data, '$.bill.ownerId'),
    'description', json_extract(data, '$.bill.description'),
    'amount', json_extract(data, '$.bill.amount'),
    'currency', json_extract(data, '$.bill.currency'),
    'shareCount', json_array_length(data, '$.bill.shares'),
    'paidCount', (SELECT count(*) FROM json_each(data, '$.bill.shares') WHERE json_extract(value, '$.paidAt') IS NOT NULL)
  ),
  'group', json(json_extract(data, '$.group')),
  'actor', json(json_extract(data, '$.actor')),
  'amount', json_extract(data, '$.amount')
)
WHERE type IN ('bill.created', 'bill.paid', 'bill.cancelled') AND json_type(data, '$.bill.shares') = 'array';
