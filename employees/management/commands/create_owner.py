import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from employees.models import Employee, Role


class Command(BaseCommand):
    help = "Create an owner account (the first employee of a new studio)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--password", help="Prompted for when omitted.")

    def handle(self, *args, username, email, full_name, password=None, **options):
        if Employee.objects.filter(username=username).exists():
            raise CommandError(f"An employee called {username!r} already exists.")
        if Employee.objects.filter(email__iexact=email).exists():
            raise CommandError(f"An employee with the email {email!r} already exists.")
        if password is None:
            password = getpass.getpass("Password: ")
        owner = Employee(username=username, email=email, full_name=full_name, role=Role.OWNER)
        try:
            validate_password(password, owner)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        owner.set_password(password)
        owner.save()
        self.stdout.write(self.style.SUCCESS(f"Owner {username} created. They set up two-factor sign-in at first login."))
