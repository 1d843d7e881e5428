# Turns every file in DIR into a C string in OUT:
#   const FlowTemplate flow_templates[] = { { "name", "text" }, ... };
# Run as: cmake -DDIR=... -DOUT=... -P embed_templates.cmake
file(GLOB files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(body "/* Generated from templates/ by cmake/embed_templates.cmake. Do not edit. */\n#include \"templates.h\"\n\nconst FlowTemplate flow_templates[] = {\n")
foreach(name ${files})
  file(READ ${DIR}/${name} text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n    \"" text "${text}")
  string(APPEND body "  { \"${name}\",\n    \"${text}\" },\n")
endforeach()
string(APPEND body "  { 0, 0 },\n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
