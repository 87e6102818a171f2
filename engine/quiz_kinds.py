"""The quiz's question kinds and size limit, apart from engine.quiz so that building the `hazard`
command line (its help text names them) does not import the quiz generator and its models."""

KIND_ZH = {"verdict": "是否构成重大事故隐患", "clause": "依据哪一条", "boundary": "边界", "question": "还需核实什么",
           "lead": "牵头部门", "multi": "多选"}
MAX_COUNT = 200  # questions per quiz, at most
