"""The one access policy: who may do what to which record, and why.

- `permissions`: every permission, scoped by resource type (`plan:section:write`);
- `decision`: typed `Basis`, `Denial` and `Decision`;
- `subject` and `context`: the caller and what is known of them and the person;
- `rules`: the rule table per resource type (deny anything unlisted, for every basis);
- `ties`: the relationships that give a basis, strongest first;
- `policy`: `decide(context, resource, permission)`, pure;
- `sources`: how relationship sources load the context;
- `pipeline`: routes and jobs declare their permission; the pipeline loads the context
  once, decides, records the attempt and answers 404 or 403.

This package imports no domain package: domain packages plug their loaders in.
"""
