-- Take a term out of service for rebuilding: grabs answer engine-rebuilding until it is armed
-- again. Returns 1 if it was armed.
--
-- KEYS: 1 armed

return redis.call('DEL', KEYS[1])
