-- Record a seat Postgres gave outside the grab (an override, a move, a waitlist admission): the
-- student holds the course and the course has one seat less. Only if the student does not hold
-- it already, so taking twice changes nothing. Nothing happens unless the term is armed from
-- this database. The seat count may go below zero: a course an override filled above its
-- capacity refuses every grab until seats come back.
--
-- KEYS: 1 armed, 2 seats, 3 held
-- ARGV: 1 database identity, 2 student id, 3 course id
-- Returns 1 when the seat was recorded, 0 when the student held it already (or not armed).

if redis.call('HGET', KEYS[1], 'db') ~= ARGV[1] then
  return 0
end
local held = redis.call('HGET', KEYS[3], ARGV[2])
if held then
  for course_id in string.gmatch(held, '%d+') do
    if course_id == ARGV[3] then
      return 0
    end
  end
  redis.call('HSET', KEYS[3], ARGV[2], held .. ',' .. ARGV[3])
else
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
end
redis.call('HINCRBY', KEYS[2], ARGV[3], -1)
return 1
