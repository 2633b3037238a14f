"""What the services and the seat engine share below them: the database (`database`), the
schema's migrations (`migrations`), creating and dropping databases (`admin`), the stored
calendar read as the domain's (`calendar`), and the log of what a transaction changed that the
seat engine must learn (`engine_changes`)."""
