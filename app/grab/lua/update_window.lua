-- Bring an armed term's window, per-student maximum and rate limits up to date without
-- rebuilding it. Nothing happens unless the term is armed from this database.
--
-- KEYS: 1 armed
-- ARGV: 1 database identity, then field and value pairs
-- Returns 1 when updated, 0 when the term is not armed from this database.

if redis.call('HGET', KEYS[1], 'db') ~= ARGV[1] then
  return 0
end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
