# Sanitizers are global so that every target, tests included, agrees on the
# runtime; ASan/UBSan and TSan cannot be combined.
if(CPE_SANITIZE AND CPE_TSAN)
  message(FATAL_ERROR "CPE_SANITIZE and CPE_TSAN are mutually exclusive")
endif()

# CPE_SANITIZER_FLAGS: the same flags as one string, for builds outside
# this tree that must match (tests/sdk builds a plugin with them).
set(CPE_SANITIZER_FLAGS "")
if(CPE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  set(CPE_SANITIZER_FLAGS "-fsanitize=address,undefined -fno-sanitize-recover=undefined")
endif()

if(CPE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  set(CPE_SANITIZER_FLAGS "-fsanitize=thread")
endif()
