"""`kehou demo`: a district built in one step for trying the product and for load tests; the
world of schools, families and courses (`world`), then a term in progress (`running`)."""
