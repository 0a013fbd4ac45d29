"""What every permissions matrix shares: the cast's roles, each tried on every row."""

ROLES = [
    "anonymous",
    "enterprise_user",
    "outsider",
    "staff",
    "manager",
    "other_staff",
    "official",
    "other_official",
    "partner",
    "admin",
]
