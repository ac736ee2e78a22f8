"""The error of a file that cannot be used as a registry."""


class RegistryError(Exception):
    """The file cannot be read as a registry at all (not an .xlsx, missing sheet…); the message is French."""
