"""The customer's and admin's forms; labels and messages are in our domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

from .i18n import lazy_gettext as _l


class OrderLookupForm(FlaskForm):
    """Find an order by its number and the e-mail address it was placed with."""

    order_number = StringField(
        _l("Order number"),
        validators=[DataRequired(_l("Enter your order number.")), Length(max=64)],
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the e-mail address you ordered with.")),
            Email(_l("Enter an e-mail address like name@example.com."), check_deliverability=False),
            Length(max=254),
        ],
    )
