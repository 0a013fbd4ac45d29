"""Professional support services (the notice's point 4): the catalogue of services an
association or its partner providers offer, and the enterprises' requests for them."""
