import ts from "typescript";
import { isModdableSpecifier } from "../../host/build/bundle";

export interface PortabilityViolation {
  file: string;
  line: number;
  message: string;
}

/** Node's globals: none exist in XS on the device. */
const NODE_GLOBALS = new Set([
  "Buffer", "process", "require", "module", "exports", "__dirname", "__filename", "global",
  "setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "clearImmediate", "queueMicrotask",
]);

const NODE_MODULES = new Set([
  "assert", "buffer", "child_process", "cluster", "crypto", "dgram", "dns", "events", "fs", "http", "http2",
  "https", "module", "net", "os", "path", "perf_hooks", "process", "readline", "stream", "string_decoder",
  "timers", "tls", "tty", "url", "util", "v8", "vm", "worker_threads", "zlib",
]);

/**
 * Checks one firmware source file. `deviceOnly` files (the ESP32 platform and
 * the device entry) may import Moddable modules; nothing in firmware/ may use
 * Node modules or Node globals, including a global timer.
 */
export function checkPortability(file: string, source: string, deviceOnly: boolean): PortabilityViolation[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const violations: PortabilityViolation[] = [];
  const report = (node: ts.Node, message: string): void => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    violations.push({ file, line: line + 1, message });
  };
  const checkSpecifier = (node: ts.Node, specifier: string): void => {
    if (specifier.startsWith("node:") || NODE_MODULES.has(specifier.split("/")[0]!)) {
      report(node, `imports the Node module "${specifier}"`);
    } else if (!deviceOnly && isModdableSpecifier(specifier)) {
      report(node, `imports the Moddable module "${specifier}"; only firmware/platform/esp32 and firmware/main.ts may`);
    }
  };

  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      checkSpecifier(node, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) checkSpecifier(node, arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      checkSpecifier(node, node.argument.literal.text);
    } else if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text) && isFreeReference(node)) {
      report(node, `uses the Node global "${node.text}"`);
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "globalThis" && NODE_GLOBALS.has(node.name.text)) {
      report(node, `uses the Node global "globalThis.${node.name.text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return violations;
}

/** True where the identifier names a global, not a property, a member or a local binding's declaration. */
function isFreeReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) ||
    ts.isPropertySignature(parent) || ts.isMethodSignature(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent) ||
    ts.isEnumMember(parent)) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) ||
    ts.isClassDeclaration(parent) || ts.isBindingElement(parent)) && parent.name === node) return false;
  return true;
}
