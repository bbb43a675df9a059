# Sanitizers are global so that every target, tests included, agrees on the
# runtime; ASan/UBSan and TSan cannot be combined.
if(CPE_SANITIZE AND CPE_TSAN)
  message(FATAL_ERROR "CPE_SANITIZE and CPE_TSAN are mutually exclusive")
endif()

if(CPE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(CPE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
