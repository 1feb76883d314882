-- The first outcome of a reply wins; a second click (or a second person) gets the first one back.
-- KEYS[1] reply hash
-- ARGV[1] outcome
-- ARGV[2] by
-- ARGV[3] at (ISO)
-- Returns {'not_found'}, or {'ok' or 'already_decided', the record's field, value pairs...}.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
if status ~= 'new' then return {'already_decided', unpack(redis.call('HGETALL', KEYS[1]))} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decided_by', ARGV[2], 'decided_at', ARGV[3])
return {'ok', unpack(redis.call('HGETALL', KEYS[1]))}
