"""Payment providers. Stripe is the one that ships."""
