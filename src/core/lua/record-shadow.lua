-- Records a shadow email once per lead and step.
-- KEYS[1] the shadow email's idempotency marker
-- KEYS[2] the shadow email list
-- ARGV[1] the shadow email (JSON)
-- Returns 1 when recorded, 0 when it was recorded before.
if redis.call('SET', KEYS[1], '1', 'NX') then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
