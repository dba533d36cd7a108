import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from employees.models import Employee, Role


class Command(BaseCommand):
    @property
    def help(self):
        # Read when the parser is made, in the language then active (argparse takes no lazy text).
        return _("Create an owner account (the first employee of a new studio).")

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--password", help=_("Prompted for when omitted."))

    def handle(self, *args, username, email, full_name, password=None, **options):
        if Employee.objects.filter(username=username).exists():
            raise CommandError(_("An employee called “%(username)s” already exists.") % {"username": username})
        if Employee.objects.filter(email__iexact=email).exists():
            raise CommandError(_("An employee with the email “%(email)s” already exists.") % {"email": email})
        if password is None:
            password = getpass.getpass(_("Password: "))
        owner = Employee(username=username, email=email, full_name=full_name, role=Role.OWNER)
        try:
            validate_password(password, owner)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        owner.set_password(password)
        owner.save()
        self.stdout.write(self.style.SUCCESS(
            _("Owner %(username)s created. They set up two-step sign-in when they first sign in.") % {"username": username}
        ))
