#include "ast.h"

const char *type_name(TypeKind t)
{
    switch (t) {
    case TY_ERROR: return "<error>";
    case TY_BOOL: return "bool";
    case TY_INT32: return "int32";
    case TY_INT64: return "int64";
    case TY_FLOAT64: return "float64";
    case TY_STRING: return "string";
    case TY_TIMESTAMP: return "timestamp";
    }
    return "?";
}
