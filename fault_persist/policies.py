"""Default policy rules of fault_persist, in code.

Every rule is checked with the target ``{'project_id': P}``, where ``P``
is the project of the record acted on or the project asked for (a value
no project has when a caller asks for every project), never the caller's
own project: an owner rule such as ``project_id:%(project_id)s`` then
grants a caller its own project's records and nothing more.

Published through the ``oslo.policy.policies`` entry point so that
``oslopolicy-sample-generator --namespace fault_persist`` lists them and an
operator can override them in the host's policy file.
"""

from oslo_policy import policy

FAULT_DETAILS = 'fault_persist:fault:details'
FAULT_ALL_PROJECTS = 'fault_persist:fault:all_projects'
FAULT_HOSTS = 'fault_persist:fault:hosts'
REQUEST_LOG_ALL_PROJECTS = 'fault_persist:request_log:all_projects'
FAULT_UPDATE_ALL_PROJECTS = 'fault_persist:fault:update_all_projects'
TASK_UPDATE_ALL_PROJECTS = 'fault_persist:request_log:update_all_projects'

ADMIN = 'role:admin'

rules = [
    policy.DocumentedRuleDefault(
        name=FAULT_DETAILS,
        check_str=ADMIN,
        description='Show the details (traceback) of a fault. Without this '
                    'rule a caller sees only when the fault happened and its '
                    'message.',
        operations=[{'path': 'fault_persist.get_fault', 'method': 'CALL'},
                    {'path': 'fault_persist.list_faults', 'method': 'CALL'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=FAULT_ALL_PROJECTS,
        check_str=ADMIN,
        description='Read the faults of every project. Without this rule a '
                    'caller reads only the faults of its own project.',
        operations=[{'path': 'fault_persist.get_fault', 'method': 'CALL'},
                    {'path': 'fault_persist.list_faults', 'method': 'CALL'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=FAULT_HOSTS,
        check_str=ADMIN,
        description='List the faults of hosts: errors that name no '
                    'resource (resource_type "host"), which may tell of '
                    'other projects\' work on the host. Without this rule '
                    'a caller never sees them. No caller sees them in the '
                    'show view.',
        operations=[{'path': 'fault_persist.list_faults', 'method': 'CALL'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=REQUEST_LOG_ALL_PROJECTS,
        check_str=ADMIN,
        description='Read the request log (entries and tasks) of every '
                    'project. Without this rule a caller reads only the '
                    'entries and tasks of its own project.',
        operations=[
            {'path': 'fault_persist.list_request_log', 'method': 'CALL'},
            {'path': 'fault_persist.request_log_lines', 'method': 'CALL'},
            {'path': 'fault_persist.get_task', 'method': 'CALL'},
            {'path': 'fault_persist.list_tasks', 'method': 'CALL'},
            {'path': 'fault_persist.entries_between', 'method': 'CALL'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=FAULT_UPDATE_ALL_PROJECTS,
        check_str=ADMIN,
        description='Resolve or soft-delete the faults of a resource that '
                    'belong to another project. Without this rule '
                    'resolve_faults and delete_faults change only the '
                    'faults of the caller\'s own project.',
        operations=[
            {'path': 'fault_persist.resolve_faults', 'method': 'CALL'},
            {'path': 'fault_persist.delete_faults', 'method': 'CALL'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=TASK_UPDATE_ALL_PROJECTS,
        check_str=ADMIN,
        description='Continue (complete or fail) a task of the request log '
                    'that belongs to another project: track_task with the '
                    'task_id of that task. Without this rule a caller '
                    'continues only its own project\'s tasks; another '
                    'project\'s task id is reported as not found.',
        operations=[{'path': 'fault_persist.track_task', 'method': 'CALL'}],
        scope_types=['project']),
]


def list_rules():
    """The rules, for the ``oslo.policy.policies`` entry point."""
    return rules
