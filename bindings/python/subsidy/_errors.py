"""Exceptions of the engine that are not plain ValueError/OSError."""


class NotFoundError(KeyError):
    """A file, an enterprise id, a column or a name the engine was asked for does not exist.

    A KeyError whose str() is the engine's message as it is (KeyError would quote it).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
