"""The REST side of needs, offers and the supply catalogue: serializers.py parses and renders,
filters.py filters and orders the lists, views.py holds the viewsets that call the services."""
