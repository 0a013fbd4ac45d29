from core.errors import DomainError


class DomainErrorFormMixin:
    """Shows a service's DomainError on the form: each field's messages beside the field, the
    rest at the top."""

    def add_domain_error(self, error: DomainError) -> None:
        if not error.fields:
            self.add_error(None, error.message)
            return
        for field, messages in error.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
