"""Running the platform: embedded servers for the two-command start, process supervision."""
