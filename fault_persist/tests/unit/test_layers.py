"""The layers of fault_persist, read from its import statements.

Options sit at the bottom (:mod:`fault_persist.conf`), storage above them
(:mod:`fault_persist.db`), and data flows one way: nothing imports a module
that imports it back. Every import statement of every module outside the
tests counts, those inside functions too; the package initialisation Python
runs before a submodule is not an import statement of that submodule, and
does not count.
"""

import ast
import os

import testtools

import fault_persist

PACKAGE = 'fault_persist'
CONF = 'fault_persist.conf'
DB = 'fault_persist.db'
#: The pure modules storage may use: the words of the request log, and
#: what they need. None of them does I/O or reads the database.
PURE_LEAVES = frozenset((
    'fault_persist.request_log_text',
    'fault_persist.sanitize',
    'fault_persist.i18n',
    'fault_persist.exception',
))


def modules(root=os.path.dirname(fault_persist.__file__)):
    """``{module name: (path, is a package)}`` of fault_persist, tests out."""
    found = {}
    top = os.path.dirname(root)
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories
                                   if name not in ('tests', '__pycache__'))
        for file_name in files:
            if not file_name.endswith('.py'):
                continue
            path = os.path.join(directory, file_name)
            parts = os.path.relpath(path, top)[:-len('.py')].split(os.sep)
            is_package = parts[-1] == '__init__'
            if is_package:
                parts.pop()
            found['.'.join(parts)] = (path, is_package)
    return found


def _known(name, known):
    """``name``, or the module of fault_persist that holds it."""
    while name and name not in known:
        name = name.rpartition('.')[0]
    return name or None


def imports_of(source, name, is_package, known):
    """The modules of fault_persist that the module ``name`` imports.

    :param source: the module's source.
    :param name: the module's dotted name.
    :param is_package: whether it is a package's ``__init__``.
    :param known: the names of fault_persist's modules.
    :returns: a set of names in ``known``, without ``name`` itself.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = name.split('.')
                if not is_package:
                    parts.pop()
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            # "from package import module" imports the module; "from
            # module import name" the module that holds the name.
            targets = [base + '.' + alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + '.'):
                module = _known(target, known)
                if module is not None:
                    found.add(module)
    found.discard(name)
    return found


def import_graph():
    """``{module: set of the modules of fault_persist it imports}``."""
    known = modules()
    graph = {}
    for name, (path, is_package) in known.items():
        with open(path, encoding='utf-8') as source:
            graph[name] = imports_of(source.read(), name, is_package, known)
    return graph


def find_cycle(graph):
    """An import cycle of ``graph``, as ``[a, b, ..., a]``, or ``None``."""
    done = set()
    path = []
    on_path = set()

    def visit(module):
        path.append(module)
        on_path.add(module)
        for imported in sorted(graph.get(module, ())):
            if imported in on_path:
                return path[path.index(imported):] + [imported]
            if imported not in done:
                cycle = visit(imported)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(module)
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def closure(graph, start):
    """Every module that ``start`` imports, directly or not."""
    seen = set()
    todo = [start]
    while todo:
        for imported in graph.get(todo.pop(), ()):
            if imported not in seen:
                seen.add(imported)
                todo.append(imported)
    return seen


def _in(package, module):
    return module == package or module.startswith(package + '.')


class TestLayers(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.graph = import_graph()

    def test_the_graph_has_the_modules_and_their_imports(self):
        self.assertIn('fault_persist.request_log_text',
                      self.graph['fault_persist.db.request_log'])
        self.assertIn(CONF, self.graph['fault_persist.config'])
        self.assertNotIn('fault_persist.tests', self.graph)

    def test_there_is_no_import_cycle(self):
        cycle = find_cycle(self.graph)
        self.assertIsNone(cycle, 'import cycle: %s'
                          % ' -> '.join(cycle or ()))

    def test_conf_imports_nothing_outside_conf(self):
        for module in sorted(self.graph):
            if _in(CONF, module):
                above = sorted(imported for imported in self.graph[module]
                               if not _in(CONF, imported))
                self.assertEqual([], above, '%s imports them' % module)

    def test_db_imports_only_conf_db_and_pure_leaves(self):
        for module in sorted(self.graph):
            if _in(DB, module):
                above = sorted(
                    imported for imported in closure(self.graph, module)
                    if not (_in(DB, imported) or _in(CONF, imported)
                            or imported in PURE_LEAVES))
                self.assertEqual([], above, '%s imports them, directly or '
                                 'not' % module)


class TestReadingImports(testtools.TestCase):
    """The reading of the graph, on made-up modules."""

    KNOWN = {'fault_persist', 'fault_persist.db', 'fault_persist.db.engine',
             'fault_persist.faults', 'fault_persist.conf'}

    def test_imports_inside_functions_count(self):
        source = 'def f():\n    from fault_persist import faults\n'
        self.assertEqual({'fault_persist.faults'}, imports_of(
            source, 'fault_persist.conf', True, self.KNOWN))

    def test_a_name_imported_from_a_module_is_that_module(self):
        source = 'from fault_persist.db.engine import get_engine\n'
        self.assertEqual({'fault_persist.db.engine'}, imports_of(
            source, 'fault_persist.faults', False, self.KNOWN))

    def test_relative_imports_are_resolved(self):
        source = 'from . import engine\nfrom .. import faults\n'
        self.assertEqual(
            {'fault_persist.db.engine', 'fault_persist.faults'},
            imports_of(source, 'fault_persist.db', True, self.KNOWN))

    def test_other_packages_do_not_count(self):
        source = 'import os\nfrom oslo_config import cfg\n'
        self.assertEqual(set(), imports_of(
            source, 'fault_persist.faults', False, self.KNOWN))

    def test_a_cycle_is_found_and_named_in_order(self):
        graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
        self.assertEqual(['a', 'b', 'c', 'a'], find_cycle(graph))

    def test_a_diamond_is_no_cycle(self):
        graph = {'a': {'b', 'c'}, 'b': {'d'}, 'c': {'d'}, 'd': set()}
        self.assertIsNone(find_cycle(graph))
