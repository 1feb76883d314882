-- Writes a reply record once; a redelivered or retried event finds it and changes nothing.
-- KEYS[1] reply hash
-- ARGV[1] retention (s)
-- ARGV[2..] the record's field, value pairs
-- Returns 1 when written, 0 when it existed.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
