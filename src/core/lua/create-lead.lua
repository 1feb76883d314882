-- Writes a new lead whole (or leaves an existing one alone) and adds it to its run, in one step so
-- a scrape killed midway never leaves a lead with only some of its fields.
-- KEYS[1] lead hash
-- KEYS[2] the run's leads set
-- ARGV[1] lead ref
-- ARGV[2..] the lead's field, value pairs
-- Returns 1 when written, 0 when the lead existed.
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
