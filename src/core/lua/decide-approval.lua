-- Applies the first decision on an approval only; a later one (double click, retry, second
-- approver) gets the first back. A decision made on content other than what is stored is stale.
-- KEYS[1] approval hash
-- KEYS[2] the pending approvals
-- ARGV[1] new status: approved, rejected or edited
-- ARGV[2] by
-- ARGV[3] at (ISO)
-- ARGV[4] the edited sequence's hash ('' unless edited)
-- ARGV[5] the hash the decider was shown ('' = not checked)
-- ARGV[6] the edited step 1 subject
-- ARGV[7] the edited step 1 body
-- ARGV[8] approval id (its member in the pending set)
-- ARGV[9] the edited steps (JSON)
-- ARGV[10] how many steps the edit has
-- Returns {'not_found'}, or {result, the record before as JSON ('' unless ok), the record after's
-- field, value pairs...} with result ok, already_decided or stale.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
if status ~= 'pending' then return {'already_decided', '', unpack(redis.call('HGETALL', KEYS[1]))} end
if ARGV[5] ~= '' and ARGV[5] ~= redis.call('HGET', KEYS[1], 'hash') then return {'stale', '', unpack(redis.call('HGETALL', KEYS[1]))} end
local prevSteps = redis.call('HGET', KEYS[1], 'steps')
if ARGV[1] == 'edited' then
  local count = prevSteps and #cjson.decode(prevSteps) or 1
  if count ~= tonumber(ARGV[10]) then return {'stale', '', unpack(redis.call('HGETALL', KEYS[1]))} end
end
local prev = redis.call('HGETALL', KEYS[1])
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decided_by', ARGV[2], 'decided_at', ARGV[3])
if ARGV[1] == 'edited' then
  redis.call('HSET', KEYS[1], 'subject', ARGV[6], 'body', ARGV[7], 'steps', ARGV[9], 'hash', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
redis.call('ZREM', KEYS[2], ARGV[8])
return {'ok', cjson.encode(prev), unpack(redis.call('HGETALL', KEYS[1]))}
