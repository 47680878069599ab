"""One module per screen. Screens gather input and call the core; they never write SQL."""
