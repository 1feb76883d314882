-- Asks a provider's circuit breaker for a call: closed allows, open denies until its cooldown is
-- over and then lets exactly one probe through (half-open). The clock is Redis's, so every worker
-- on every machine agrees on "now".
-- KEYS[1] the breaker's state hash
-- KEYS[2] the breaker's probe marker
-- ARGV[1] probe marker TTL (ms)
-- ARGV[2] how soon a caller denied while half-open may ask again (ms)
-- Returns {decision (allow, probe, deny), state, transition ('' or 'from>to'), retry at (ms) or 0}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'closed' then return {'allow', 'closed', '', 0} end
if state == 'open' then
  local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
  if now < open_until then return {'deny', 'open', '', open_until} end
  redis.call('HSET', KEYS[1], 'state', 'half_open')
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
  return {'probe', 'half_open', 'open>half_open', 0}
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return {'probe', 'half_open', '', 0} end
return {'deny', 'half_open', '', now + tonumber(ARGV[2])}
