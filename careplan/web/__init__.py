"""What every page shares: the layout's helpers (render, navigation, what happened),
reading forms through marshmallow schemas, and showing plan content as lines and forms.

The pages themselves live with their domain (`careplan.plans.views`, `consent.views`,
...). Nothing here decides who may see what, and nothing here imports a domain package.
"""
