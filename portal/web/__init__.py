"""What every area shares over HTTP: requests, headers and cookies, errors, sign-in."""
