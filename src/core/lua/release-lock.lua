-- Deletes a lock only if we still hold it (it may have expired and been taken by another process).
-- KEYS[1] the lock
-- ARGV[1] our token
-- Returns 1 when released, 0 when the lock was not ours (any more).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
