-- Bring one student of an armed term up to date (a binding, an agreement, insurance, a new grade
-- or class) without rebuilding the term: their grade, readiness and guardians; the seats they
-- hold are the engine's own. Nothing happens unless the term is armed from this database.
--
-- KEYS: 1 armed, 2 students, 3 guardians
-- ARGV: 1 database identity, 2 student id, 3 encoded student ("grade,ready,round two"),
--       4 guardian ids ("1,2", or '')
-- Returns 1 when the student was updated, 0 when the term is not armed from this database.

if redis.call('HGET', KEYS[1], 'db') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[3], ARGV[2])
else
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
end
return 1
