from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhijiao.workplan.loader import plan_load


class Command(BaseCommand):
    help = "Load or refresh a year's work plan from its YAML file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the plan file, e.g. zhijiao/workplan/data/plan_2021.yaml")
        parser.add_argument(
            "--examples",
            default=None,
            help="an example file of people, owners and dates (示例), e.g. zhijiao/workplan/data/plan_2021_demo.yaml",
        )

    def handle(self, *args, path, examples=None, **options):
        try:
            plan, counts = plan_load(path=path, examples=examples)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        self.stdout.write(
            f"{plan.year} {plan.title}: {plan.tasks.count()} tasks "
            f"(new: {counts['tasks']} tasks, {counts['themes']} themes, {counts['targets']} targets)"
        )
