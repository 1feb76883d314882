-- Records a shadow email once per lead and step, and its audit entry with it when one is given.
-- KEYS[1] the shadow email's idempotency marker
-- KEYS[2] the shadow email list
-- KEYS[3..] the audit stream, when the record is audited
-- ARGV[1] the shadow email (JSON)
-- ARGV[2..] with an audit stream: its approximate length cap (XADD MAXLEN ~), then the entry's field, value pairs
-- Returns 1 when recorded, 0 when it was recorded before.
if redis.call('SET', KEYS[1], '1', 'NX') then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  if KEYS[3] then redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3)) end
  return 1
end
return 0
