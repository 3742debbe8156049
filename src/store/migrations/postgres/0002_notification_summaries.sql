-- Bill notifications carry a summary of the bill, not the bill with every share (issue 19: one row is
-- stored per receiver, so an equal split among 500 stored its 500 shares 500 times). Rows written before
-- are rewritten to the new shape (src/contract/events.ts BillSummary), so the inbox, which checks what it
-- sends against the contract, and stream replays see one shape.
UPDATE notifications SET data = (
  SELECT jsonb_build_object(
    'bill', jsonb_build_object(
      'id', d->'bill'->'id',
      'groupId', d->'bill'->'groupId',
      'ownerId', d->'bill'->'ownerId',
      'description', d->'bill'->'description',
      'amount', d->'bill'->'amount',
      'currency', d->'bill'->'currency',
      'shareCount', jsonb_array_length(d->'bill'->'shares'),
      'paidCount', (SELECT count(*) FROM jsonb_array_elements(d->'bill'->'shares') s WHERE s->>'paidAt' IS NOT NULL)
    ),
    'group', d->'group',
    'actor', d->'actor',
    'amount', d->'amount'
  )::text
  FROM (SELECT data::jsonb AS d) old
)
WHERE type IN ('bill.created', 'bill.paid', 'bill.cancelled') AND jsonb_typeof(data::jsonb->'bill'->'shares') = 'array';
