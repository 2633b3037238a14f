"""Services glue the domain rules to storage. They flush; the request's session commits."""
