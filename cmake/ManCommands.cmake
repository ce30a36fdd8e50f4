# Writes OUT, a help2man include file (cmake/ServesimPackaging.cmake): a COMMANDS section with the --help of
# each subcommand of SERVESIM ('|'-separated COMMANDS), verbatim, so that the man page says what
# `servesim COMMAND --help` says.
string(REPLACE "|" ";" commands "${COMMANDS}")
set(text "[COMMANDS]\n")
foreach(command ${commands})
  execute_process(COMMAND ${SERVESIM} ${command} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SERVESIM} ${command} --help failed (${rc})")
  endif()
  # roff: a leading dot or quote would read as a request, a backslash as an escape.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND text ".SS \"servesim ${command}\"\n.nf\n${help}.fi\n")
endforeach()
file(WRITE ${OUT} "${text}")
