# raw_string_chunks(TEXT DELIMITER OUT_VAR): TEXT as C++ raw string literals R"DELIMITER(...)DELIMITER" of at
# most 8000 characters each, one per line, to concatenate with std::string(...): the chunks stay below
# compilers' literal length limits. Used by EmbedText.cmake and EmbedCatalog.cmake.
function(raw_string_chunks text delimiter out_var)
  string(LENGTH "${text}" len)
  set(chunks "")
  set(pos 0)
  while(pos LESS len)
    string(SUBSTRING "${text}" ${pos} 8000 part)
    string(APPEND chunks "R\"${delimiter}(${part})${delimiter}\"\n")
    math(EXPR pos "${pos} + 8000")
  endwhile()
  set(${out_var} "${chunks}" PARENT_SCOPE)
endfunction()
