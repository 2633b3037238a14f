"""Signing in: DingTalk mini-app login (免登), development logins, and Kehou's own tokens."""
