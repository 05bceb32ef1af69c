"""Running the platform: embedded servers, process supervision, the demo data."""
