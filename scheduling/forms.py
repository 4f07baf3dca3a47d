from django import forms
from django.conf import settings

from scheduling.models import Group, Schedule
from syncs.models import Module


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "description", "stop_on_failure"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"stop_on_failure": "A failed member stops the rest"}


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["cron", "timezone"]
        labels = {"cron": "Cron expression", "timezone": "Time zone"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cron"].widget.attrs["placeholder"] = "0 4 * * 1-5"
        self.fields["timezone"].widget.attrs["placeholder"] = settings.TIME_ZONE
        self.fields["timezone"].help_text = f"Empty for the configured zone, {settings.TIME_ZONE}."


class MemberForm(forms.Form):
    module = forms.ModelChoiceField(queryset=Module.objects.none(), label="Module to add")

    def __init__(self, group, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = Module.objects.exclude(groups=group).only("id", "name")
