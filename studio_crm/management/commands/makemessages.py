"""``makemessages`` that leaves a newly marked string untranslated rather than guessing it from a similar one.

msgmerge's fuzzy matching filled new entries with the translation of another sentence ("That time has already
passed." got the text of "This request is already answered."); an empty entry is what the catalogue tests catch
and a translator looks for.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
