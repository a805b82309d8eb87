"""Exceptions raised by fault_persist.

Every exception says what went wrong and, where it can, what to do about
it. They all derive from :class:`FaultPersistError` so a host can catch
ours without catching its own.
"""


class FaultPersistError(Exception):
    """Base class of every fault_persist exception."""

    msg_fmt = 'An unknown fault_persist error occurred.'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        super().__init__(message)


class NotInitialized(FaultPersistError):
    msg_fmt = ('fault_persist is not initialised: call '
               'fault_persist.init(conf) once when the service starts, '
               'before recording or reading faults.')


class AlreadyInitialized(FaultPersistError):
    msg_fmt = ('fault_persist is already initialised with %(setting)s '
               '%(before)s; init() was called again with %(after)s. '
               'fault_persist cannot move to another database or spool '
               'directory inside a running process: give every caller '
               '(and the notifier driver) the same configuration, or '
               'restart the service to use the new one.')


class InvalidInstanceId(FaultPersistError):
    msg_fmt = ('Invalid instance id %(value).100r: %(reason)s. An instance '
               'id is a non-empty string of at most 64 printable '
               'characters, such as a UUID.')


class InvalidMessage(FaultPersistError):
    msg_fmt = 'Invalid fault message %(value).100r: %(reason)s.'


class InvalidField(FaultPersistError):
    msg_fmt = 'Invalid value %(value).100r for %(field)s: %(reason)s.'


class InvalidMarker(FaultPersistError):
    msg_fmt = ('Marker %(marker)s does not name a record visible to this '
               'caller; start again without a marker.')


class InvalidTimeRange(FaultPersistError):
    msg_fmt = 'Invalid time %(value).100r: %(reason)s.'


class DatabaseUnavailable(FaultPersistError):
    msg_fmt = ('The fault_persist database is unavailable (%(reason)s). Check '
               '[fault_persist] connection (or [database] connection) and '
               'that the database server is running.')


class SchemaNotReady(FaultPersistError):
    msg_fmt = ('The fault_persist tables do not exist in %(url)s. Run '
               '"fault-persist-manage --config-file FILE db sync" first, or '
               'set [fault_persist] auto_migrate = true.')


class Forbidden(FaultPersistError):
    msg_fmt = ('Policy does not allow this caller to %(action)s. An admin '
               'may grant it through the fault_persist policy rules.')


class InvalidDefinitions(FaultPersistError):
    msg_fmt = ('Invalid fault_persist definitions in %(where)s: %(reason)s. '
               'See etc/fault-persist/fault_definitions.yaml for the '
               'format.')


class SpoolBusy(FaultPersistError):
    msg_fmt = ('%(count)d spool files in %(directory)s were not replayed: '
               'another process holds them. Run the command again.')


class BatchNotStored(FaultPersistError):
    msg_fmt = ('A batch of notifications was not stored (%(reason)s); it '
               'goes back to the bus for a later try.')


class TaskNotFound(FaultPersistError):
    msg_fmt = ('Task %(task_id)s is not in the request log, or not visible '
               'to this caller. Task ids are the numbers the request log '
               'shows ("task ID 100").')


class InvalidTimezone(FaultPersistError):
    msg_fmt = ('Invalid [fault_persist] log_timezone %(value)r: %(reason)s. '
               'Give an IANA zone name such as "America/Sao_Paulo", or a '
               'label and a fixed offset such as "BRT=-03:00".')


class FaultNotFound(FaultPersistError):
    msg_fmt = ('No fault is recorded for instance %(instance_id)s (or none '
               'this caller may see).')


class FaultIdNotFound(FaultPersistError):
    msg_fmt = ('No fault has the id %(fault_id)s (or none this caller may '
               'see).')
