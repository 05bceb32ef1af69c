"""Joint meetings (联席会议): a community convenes the county departments concerned."""
